"""Shared fixtures. Seeded tests use ``seed`` and must pass for any seed in 0..99."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def ecsi():
    import csimodel as cm

    return cm.datasets.load_ecsi_mobi()


@pytest.fixture(scope="session")
def ecsi_model():
    import csimodel as cm

    return cm.models.ecsi()


@pytest.fixture(params=[0, 7, 42])
def seed(request):
    return request.param
