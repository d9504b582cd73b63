"""How a dossier look-up can fail, as the kiosk's screens tell it."""


class LookupOffline(Exception):
    """The hub is not reachable: a dossier cannot be looked up now."""


class LookupFailed(Exception):
    """The hub answered with an error; the message is Vietnamese, for the screen."""
