"""Knowledge base: articles with versions and translations, hybrid search, and the answer bot."""
