"""派单调度: the dispatcher's page, its map and the queue API."""
