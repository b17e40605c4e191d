"""factory-boy factories, one module per app: accounts, events, delegates, workshops."""
