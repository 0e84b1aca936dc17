"""Infrastructure: settings, clock, Slack client and checks, web server, scheduler, logs, limits."""
