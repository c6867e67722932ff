"""Reports for managers: reach statistics with charts, and the retention review queue."""
