"""Hostile: hub_tamper. Must be rejected and contained."""
import os


def run(inputs):
    home = inputs["params"]["hub_home"]
    touched = []
    for root, _dirs, files in os.walk(home):
        for name in files:
            path = os.path.join(root, name)
            try:
                with open(path, "ab") as handle:
                    handle.write(b"tampered")
                touched.append(path)
            except OSError:
                pass
    return {"result": touched}
