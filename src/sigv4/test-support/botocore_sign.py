"""Signs the requests described on stdin with botocore's own signers and prints them as JSON.

No network: signing is pure computation. The caller sets AWS_EC2_METADATA_DISABLED=true and
points AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at files of its own.
"""
import datetime
import json
import sys
from urllib.parse import urlsplit

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FIXED = datetime.datetime(2024, 6, 15, 12, 0, 0)
botocore.auth.get_current_datetime = lambda *args, **kwargs: FIXED

SIGNERS = {
    "SigV4Auth": botocore.auth.SigV4Auth,
    "S3SigV4Auth": botocore.auth.S3SigV4Auth,
    "SigV4QueryAuth": botocore.auth.SigV4QueryAuth,
    "S3SigV4QueryAuth": botocore.auth.S3SigV4QueryAuth,
}


def sign(spec):
    creds = Credentials(spec["accessKeyId"], spec["secretAccessKey"], spec.get("sessionToken"))
    cls = SIGNERS[spec["signer"]]
    if "Query" in spec["signer"]:
        signer = cls(creds, spec["service"], spec["region"], expires=spec.get("expires", 3600))
    else:
        signer = cls(creds, spec["service"], spec["region"])
    request = AWSRequest(method=spec["method"], url=spec["url"], data=spec.get("body"), headers=spec.get("headers", {}))
    signer.add_auth(request)
    prepared = request.prepare()
    parts = urlsplit(prepared.url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    body = prepared.body
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    headers = [[k, v.decode("utf-8") if isinstance(v, bytes) else v] for k, v in prepared.headers.items()]
    host = parts.netloc
    if not any(k.lower() == "host" for k, _ in headers):
        headers.insert(0, ["Host", host])
    return {"method": prepared.method, "url": target, "headers": headers, "body": body}


print(json.dumps([sign(spec) for spec in json.load(sys.stdin)]))
