router_entries: list = []
