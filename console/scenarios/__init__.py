"""Scenario tests for voice agents: scenario files, their runner, reports and JUnit XML."""
