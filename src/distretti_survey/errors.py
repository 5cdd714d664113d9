"""Exceptions for user mistakes: the CLI shows their message in one line, never a traceback."""


class DistrettiError(Exception):
    """A problem the user can fix; the message is in Italian and says where and how."""

    exit_code = 2


class InputError(DistrettiError):
    """An input file cannot be read at all (missing, not a workbook, wrong structure)."""

    exit_code = 2


class ConfigError(DistrettiError):
    """A data file the researchers edit (registry, questionnaire, coding frame) is invalid."""

    exit_code = 1


class QuestionnaireError(InputError):
    """The questionnaire cannot be loaded: its problems were written like the data's findings."""

    def __init__(self, message: str, findings: object, files: tuple[object, ...]) -> None:
        super().__init__(message)
        self.findings = findings
        self.files = files
