"""Where a visitor is and what they use: IP -> location, user agent -> device."""
