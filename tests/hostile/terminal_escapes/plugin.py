"""Hostile: terminal_escapes. Text a plugin controls reached the user's terminal raw: its error message
through `plugin run` and `validate` (erase the line above, print that all gates passed, set the title,
write the clipboard with OSC 52), its description, README and source through `hub show`, where a
bidirectional override in the README also makes text read differently than it is (bandit catches that
in Python files only). It passed every gate. Must be rejected and contained."""


def run(inputs):
    print("\x1b]0;pwned\x07\x1b[2J\x1b]52;c;cHduZWQ=\x07")
    if inputs["params"]:
        raise ValueError("\x1b[1A\x1b[2Kall gates passed")
    return {"result": "done"}
