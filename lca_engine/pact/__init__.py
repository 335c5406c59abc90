"""PACT (Partnership for Carbon Transparency) exchange: the rules the engine applies to PACT
footprints (``methodology``), the host system's state — clients, tokens, published footprints,
events (``host``) — and supplier footprints used as primary data (``supplier``).

The HTTP layer is ``gscdm.pact_host``; the documents are written by ``reports.pact``.
"""
