"""Peer-generating scripts need the peer packages; pytest must not import them."""

collect_ignore_glob = ["scripts/*"]
