"""The floor: the smallest Django project that renders a page, to measure the site against."""
