from analysis.api import jobs, products

router_entries = [*jobs.router_entries, *products.router_entries]
