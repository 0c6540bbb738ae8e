"""Stand-ins for Folkeregisteret's and Brønnøysund's APIs (tests, demos, benchmarks).

``world``: the scripted world and its days of change; ``freg``, ``brreg``: the endpoints,
in the sources' documented formats; ``faults``: misbehaviour on cue; ``app``: the app, the
token endpoint, the control API and ``serving`` (a real server in a thread).
``grunndata fixtures serve-sources`` serves it on a port.
"""
