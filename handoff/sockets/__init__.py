"""Socket.IO adapters: the customer and agent namespaces, and the notifier over rooms."""
