"""The dashboard's building blocks: data access (data), URL-bound filters (filters), pure
chart builders (charts), display labels (labels) and common page setup (page)."""
