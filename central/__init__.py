"""The central hub: the store, the services, the MQTT gateway and the web app.

Build the web app with :func:`create_app`; it never starts MQTT (the serving
entry point, ``motcua hub``, does: see :mod:`central.serve`)::

    from central import create_app
    from central.config import HubConfig
    from motcua.config import from_dict

    app = create_app(from_dict(HubConfig, {"center": "demo", "database": "t.db"}))
    app.test_client().get("/healthz").json
"""

from .web.app import create_app

__all__ = ["create_app"]
