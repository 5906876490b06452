# Drives authheaders (Debian python3-authheaders, with dkimpy and the Public Suffix List) for
# DmarcCrossCheckTest: a JSON request on stdin, a JSON answer on stdout. DNS answers come from the
# request through dnsfunc (the same records the test serves from BIND 9 to Yubin).
#   {"records": {name: txt}, "key": PKCS#8 PEM,
#    "cases": [{"message": base64, "sign": domain or null, "tamper": bool, "spf": [result, mailfrom] or null}]}
#   -> [{"message": base64 as verified, "dkim": result, "dmarc": result, "policy": p or sp applied,
#        "from": header.from}]
import base64
import json
import sys

import authheaders
import dkim
from authres import SPFAuthenticationResult

request = json.load(sys.stdin)
records = request["records"]


def dnsfunc(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode("ascii")
    text = records.get(name.rstrip("."))
    if text is None:
        return None
    # dkimpy wants octets, the DMARC lookup of authheaders text
    return text.encode("ascii") if "._domainkey." in name else text


answers = []
for case in request["cases"]:
    message = base64.b64decode(case["message"])
    if case["sign"]:
        field = dkim.sign(message, b"sel", case["sign"].encode("ascii"), request["key"].encode("ascii"),
                          include_headers=[b"from", b"to", b"subject", b"date"])
        message = field + message
    if case["tamper"]:
        message = message + b"A footer added on the way.\r\n"
    spf = SPFAuthenticationResult(result=case["spf"][0], smtp_mailfrom=case["spf"][1]) if case["spf"] else None
    signature = authheaders.check_dkim(message, dnsfunc=dnsfunc)
    dmarc = authheaders.check_dmarc(message, spf_result=spf, dkim_result=signature, dnsfunc=dnsfunc)
    answers.append({"message": base64.b64encode(message).decode("ascii"), "dkim": signature.result,
                    "dmarc": dmarc.result, "policy": getattr(dmarc, "policy", None) or "",
                    "from": getattr(dmarc, "header_from", None) or ""})
json.dump(answers, sys.stdout)
