"""Models of development programmes, interviews and management decisions, a module per part."""
