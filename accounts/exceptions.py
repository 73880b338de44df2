class TwoFactorError(Exception):
    """A two-factor enrolment step was refused; ``code`` names why (the view words it)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code
