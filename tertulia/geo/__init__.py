"""Where a visitor is and what they use: IP address -> location, user agent -> device."""
