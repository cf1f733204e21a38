"""Offline text intelligence: embeddings, language, sentiment, intents, drafting, tone."""
