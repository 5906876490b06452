# Drives dkimpy (Debian python3-dkim) for DkimpyCrossCheckTest: a JSON request on stdin, a JSON
# answer on stdout. Keys come from the request through dnsfunc, so no DNS is asked.
#   {"op": "verify", "records": {name: txt}, "messages": [base64]}
#       -> [[{"result": "pass" | "fail" | "error", "detail": str}, ... one per DKIM-Signature], ...]
#   {"op": "sign", "jobs": [{"message", "selector", "domain", "key", "algorithm", "canon": [h, b],
#                            "length": bool, "headers": [names]}]}
#       -> [base64 of the DKIM-Signature field]
import base64
import json
import sys

import dkim


def verify(request):
    records = request["records"]

    def dnsfunc(name, timeout=5):
        text = records.get(name.decode("ascii").rstrip("."))
        return text.encode("ascii") if text is not None else None

    answers = []
    for encoded in request["messages"]:
        message = base64.b64decode(encoded)
        checker = dkim.DKIM(message)
        count = sum(1 for name, _ in checker.headers if name.lower() == b"dkim-signature")
        results = []
        for index in range(count):
            try:
                ok = checker.verify(idx=index, dnsfunc=dnsfunc)
                results.append({"result": "pass" if ok else "fail", "detail": ""})
            except Exception as e:  # dkimpy raises for a body hash mismatch, bad keys and bad tags
                results.append({"result": "error", "detail": "%s: %s" % (type(e).__name__, e)})
        answers.append(results)
    return answers


def sign(request):
    fields = []
    for job in request["jobs"]:
        field = dkim.sign(
            base64.b64decode(job["message"]),
            job["selector"].encode("ascii"),
            job["domain"].encode("ascii"),
            job["key"].encode("ascii"),
            signature_algorithm=job["algorithm"].encode("ascii"),
            canonicalize=tuple(c.encode("ascii") for c in job["canon"]),
            include_headers=[h.encode("ascii") for h in job["headers"]],
            length=job["length"])
        fields.append(base64.b64encode(field).decode("ascii"))
    return fields


request = json.load(sys.stdin)
answer = verify(request) if request["op"] == "verify" else sign(request)
json.dump(answer, sys.stdout)
