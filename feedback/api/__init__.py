"""The feedback app's REST API, under /api/v1/feedback/: survey answers in and out, free feedback."""
