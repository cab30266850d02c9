# Validates the fideslang export with the fideslang package: the pydantic models of a
# taxonomy (which refuse repeated keys in a declaration), and every data category, data use
# and data subject against fideslang's default taxonomy. Prints the problems, one a line.
import json, sys
from fideslang.models import Taxonomy
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

doc = json.load(open(sys.argv[1]))
problems = []
try:
    tax = Taxonomy.model_validate(doc)
except Exception as e:  # the validator's own message
    print(json.dumps({"problems": [f"fideslang refuses the document: {e}"], "declarations": 0}))
    sys.exit(0)
known = {
    "data_category": {c.fides_key for c in DEFAULT_TAXONOMY.data_category},
    "data_use": {c.fides_key for c in DEFAULT_TAXONOMY.data_use},
    "data_subject": {c.fides_key for c in DEFAULT_TAXONOMY.data_subject},
}
n = 0
for s in tax.system:
    names = set()
    for d in s.privacy_declarations:
        n += 1
        if d.name in names:
            problems.append(f"{s.fides_key}: declaration {d.name!r} repeated")
        names.add(d.name)
        for kind, keys in (("data_category", d.data_categories), ("data_subject", d.data_subjects)):
            if len(set(keys)) != len(keys):
                problems.append(f"{d.name!r}: repeated {kind} keys {keys}")
            problems += [f"{d.name!r}: unknown {kind} {k}" for k in keys if k not in known[kind]]
        if d.data_use not in known["data_use"]:
            problems.append(f"{d.name!r}: unknown data_use {d.data_use}")
print(json.dumps({"problems": problems, "declarations": n}))
