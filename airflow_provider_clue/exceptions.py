"""Exceptions raised by the clue provider.

Every error the provider raises is a :class:`ClueError`. Input and configuration problems are
found before any request is sent; API problems carry the HTTP status, the API's ``code`` and
``message``, and the request's path and page, but never the token or a record's personal data.
"""

from __future__ import annotations


class ClueError(Exception):
    """Base class of every error raised by the clue provider."""


class ClueValidationError(ClueError, ValueError):
    """An argument or filter is not acceptable; raised before any request is sent.

    :param field: the offending field, e.g. ``filters.operator`` or ``user_id``.
    :param problem: what is wrong and what is allowed.
    """

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


class ClueTriggerArgumentError(ClueValidationError, TypeError):
    """A trigger cannot be built from these arguments. Also a ``TypeError``: what Airflow's triggerer
    expects from a trigger it cannot rebuild from its stored arguments (it logs it and goes on;
    anything else stops every trigger it runs)."""


class ClueDestinationError(ClueValidationError):
    """The ``destination`` cannot be written: a URI without its bucket, a scheme that no installed
    filesystem handles, a folder that cannot be created (found before any request is sent), or
    storage that refused a write (then nothing is left at the destination).

    :param problem: what is wrong with the destination and what would fix it.
    """

    def __init__(self, problem: str) -> None:
        super().__init__("destination", problem)


class ClueConfigurationError(ClueValidationError):
    """The Airflow connection is not usable (bad base URL, unknown extra, missing token...)."""


class ClueAPIError(ClueError):
    """The API answered with an error, or could not be reached.

    :param summary: what went wrong, already free of secrets and personal data.
    :param path: the request's URL path.
    :param page: the requested page number.
    :param http_status: the HTTP status, if a response arrived.
    :param api_code: the envelope's ``code``, if the body had one.
    :param api_message: the envelope's ``message``, if the body had one (redacted).
    :param field_errors: what a validation answer (Laravel's 422) said of each field it refused:
        the field's name and its reasons (redacted), as the body's ``errors`` map gave them.
    """

    retryable = False

    def __init__(
        self,
        summary: str,
        *,
        path: str,
        page: int | None = None,
        http_status: int | None = None,
        api_code: object = None,
        api_message: str | None = None,
        field_errors: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.summary = summary
        self.path = path
        self.page = page
        self.http_status = http_status
        self.api_code = api_code
        self.api_message = api_message
        self.field_errors = dict(field_errors or {})
        super().__init__(self._describe())

    def without(self, secrets: tuple[str, ...]) -> ClueAPIError:
        """This error with every one of ``secrets`` (e.g. a token the server echoed) replaced by ``***``."""
        if not any(secret and secret in str(self) for secret in secrets):
            return self
        for secret in filter(None, secrets):
            self.summary = self.summary.replace(secret, "***")
            if self.api_message:
                self.api_message = self.api_message.replace(secret, "***")
            if isinstance(self.api_code, str):
                self.api_code = self.api_code.replace(secret, "***")
            self.field_errors = {
                name.replace(secret, "***"): tuple(reason.replace(secret, "***") for reason in reasons)
                for name, reasons in self.field_errors.items()
            }
        self.args = (self._describe(),)
        return self

    def _describe(self) -> str:
        parts = [self.summary, f"HTTP status {self.http_status if self.http_status is not None else '-'}"]
        if self.api_code is not None:
            parts.append(f"code {self.api_code!r}")
        if self.api_message:
            parts.append(f"message {self.api_message!r}")
        if self.field_errors:
            refused = (f"{name} ({reasons[0]!r})" if reasons else name for name, reasons in self.field_errors.items())
            parts.append(f"refused fields {', '.join(refused)}")
        where = f"GET {self.path}" + (f" page {self.page}" if self.page is not None else "")
        return f"{'; '.join(parts)} ({where})"


class ClueAuthError(ClueAPIError):
    """The token was refused (HTTP or API code 401/403). Not retried."""


class ClueBadRequestError(ClueAPIError):
    """The API rejected the request (400, 404, 422 and other client errors). Not retried."""


class ClueBusinessError(ClueAPIError):
    """The API answered HTTP 200 with an error of its own: ``status`` ``"error"``, or a ``code`` that is
    neither 200 nor an HTTP status (the vendor documents ``6007``, "a 2.0 task is starting, stop it
    first"). Not retried: asking again gives the same answer. ``api_code`` is an ``int`` when the
    server's code is a number (sent as one or as a string of digits), ``message`` says why."""


class ClueRateLimitError(ClueAPIError):
    """HTTP or API code 429. Retried, honouring ``retry_after`` (seconds) when the server sent it.

    ``budget_spent``: the throttle headers said the token's budget for this window is spent and when
    it resets. Waiting for the reset is then the request's turn, not a failed try: it does not use up
    one of the connection's retries.
    """

    retryable = True

    def __init__(
        self, summary: str, *, retry_after: float | None = None, budget_spent: bool = False, **context: object
    ) -> None:
        self.retry_after = retry_after
        self.budget_spent = budget_spent
        super().__init__(summary, **context)  # type: ignore[arg-type]


class ClueServerError(ClueAPIError):
    """HTTP or API code 5xx. Retried."""

    retryable = True


class ClueConnectionError(ClueAPIError):
    """No response: the connection failed, was dropped, or timed out. Retried, except TLS failures."""

    def __init__(self, summary: str, *, retryable: bool = True, **context: object) -> None:
        self.retryable = retryable
        super().__init__(summary, **context)  # type: ignore[arg-type]


class ClueMalformedResponseError(ClueAPIError):
    """The response is not the documented envelope.

    A body that is not JSON at all (truncated, an HTML error page) is retried; a JSON body of the
    wrong shape is not, since asking again gives the same answer.
    """

    def __init__(self, summary: str, *, retryable: bool = False, **context: object) -> None:
        self.retryable = retryable
        super().__init__(summary, **context)  # type: ignore[arg-type]


class CluePagingError(ClueAPIError):
    """The ``meta`` of successive pages is inconsistent (does not advance, or is absurd)."""
