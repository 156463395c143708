"""The sandbox 一网通办 portal: a real service with a real database that behaves like the city's
platform (identity binding, consent, pre-fill, applications handled in parallel by departments),
so the assistant can be built and tested against the same API a production platform would offer.
"""
