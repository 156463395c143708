"""The assistant's client of the 一网通办 portal: the client (`client`), what can go wrong
(`errors`), its typed results (`models`), the circuit breaker (`breaker`), and what the flows
need from outside (`services`: a client factory and the identity store).
"""
