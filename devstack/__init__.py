"""The real stack, started on free loopback ports, for the tests and the benchmarks alike.

Both `tests/` and `bench/` import it, so a benchmark drives exactly the processes and
clients the tests prove: a private Redis, the action server and Rasa (`servers`), gateway
processes (`gateways`), recording Socket.IO clients (`clients`), and the process helper
under all of them (`processes`).
"""
