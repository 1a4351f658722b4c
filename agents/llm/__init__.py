"""LLM agents through langchain: the only package that imports langchain."""
