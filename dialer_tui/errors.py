"""The one error type for bad input anywhere below the CLI: its message names what is wrong and
where; the CLI prints it and exits 2, the cockpit shows it and carries on."""


class InputError(ValueError):
    pass
