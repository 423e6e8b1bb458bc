#!/usr/bin/env python3
"""Writes the broken-input corpus. Run once from this folder; the files are committed. Deterministic (gzip mtime 0)."""
import gzip, io, json

HEADER = b"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"

def line(i):
    return f"2 123456789012 eni-0a1b2c3d{i % 16:x} 10.0.{i // 250}.{i % 250 + 1} 198.51.100.{i % 200 + 1} {40000 + i} 443 6 10 840 1700000000 1700000060 ACCEPT OK\n".encode()

def lines(a, b):
    return b"".join(line(i) for i in range(a, b))

def gz(data, level=9):
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0, compresslevel=level) as f:
        f.write(data)
    return out.getvalue()

def write(name, data):
    with open(name, "wb") as f:
        f.write(data)

def rec(i, name="CreateKeyPair", params=None, **extra):
    r = {"eventVersion": "1.08", "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/alice"},
         "eventTime": f"2024-01-01T00:{i // 60:02d}:{i % 60:02d}Z", "eventSource": "ec2.amazonaws.com", "eventName": name,
         "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7", "userAgent": "aws-cli/2",
         "requestParameters": params if params is not None else {"keyName": f"k{i}"}, "responseElements": None,
         "eventID": f"00000000-0000-0000-0000-{i:012d}", "eventType": "AwsApiCall", "recipientAccountId": "111122223333"}
    r.update(extra)
    return json.dumps(r, separators=(",", ":"))

def records(*recs):
    return ('{"Records":[' + ",\n".join(recs) + "]}\n").encode()

# --- flow logs ---
full = gz(HEADER + lines(0, 400))
write("flow-truncated.log.gz", full[: len(full) * 6 // 10])
write("flow-garbage-after-member.log.gz", gz(HEADER + lines(0, 20)) + b"this is not gzip\n" * 4)
write("flow-concatenated.log.gz", gz(HEADER + lines(0, 5)) + gz(HEADER + lines(5, 10)) + gz(lines(10, 15)))
write("flow-plain-named.log.gz", HEADER + lines(0, 5))
write("flow-gzip-named.log", gz(HEADER + lines(0, 5)))
write("flow-empty.log", b"")
write("flow-unknown-header-fields.log",
      HEADER.rstrip(b"\n") + b" x-custom-field\n" + b"".join(line(i).rstrip(b"\n") + b" custom" + str(i).encode() + b"\n" for i in range(4)))
write("flow-field-count.log", HEADER + lines(0, 2) + b"2 123456789012 eni-0a1b2c3d 10.0.0.1 198.51.100.1 40000 443 6 10\n"
      + lines(2, 4) + line(4).rstrip(b"\n") + b" EXTRA FIELDS\n" + lines(5, 6))
write("flow-bad-numbers.log", HEADER + lines(0, 1)
      + b"2 123456789012 eni-0a1b2c3d 10.0.0.1 198.51.100.1 40000 https 6 10 840 1700000000 1700000060 ACCEPT OK\n"
      + b"2 123456789012 eni-0a1b2c3d 10.0.0.1 198.51.100.1 40000 443 6 10 12kB 1700000000 1700000060 ACCEPT OK\n"
      + b"2 123456789012 eni-0a1b2c3d 10.0.0.1 198.51.100.1 40000 443 6 10 840 yesterday 1700000060 ACCEPT OK\n" + lines(1, 3))
write("flow-port-range.log", HEADER + lines(0, 1)
      + b"2 123456789012 eni-0a1b2c3d 10.0.0.1 198.51.100.1 65536 443 6 10 840 1700000000 1700000060 ACCEPT OK\n"
      + b"2 123456789012 eni-0a1b2c3d 10.0.0.1 198.51.100.1 40000 70000 6 10 840 1700000000 1700000060 ACCEPT OK\n" + lines(1, 2))
write("flow-bad-address.log", HEADER + lines(0, 1)
      + b"2 123456789012 eni-0a1b2c3d 10.0.0.256 198.51.100.1 40000 443 6 10 840 1700000000 1700000060 ACCEPT OK\n"
      + b"2 123456789012 eni-0a1b2c3d 10.0.0.1 not-an-ip 40000 443 6 10 840 1700000000 1700000060 ACCEPT OK\n"
      + b"2 123456789012 eni-0a1b2c3d ::gg 198.51.100.1 40000 443 6 10 840 1700000000 1700000060 ACCEPT OK\n" + lines(1, 3))
write("flow-binary.log", HEADER + lines(0, 2) + bytes(range(0, 40)) + b"\n" + b"\x00\x01PK\x03\x04\xff\xfe garbage \x7f\x80\n" + lines(2, 3))
write("flow-crlf.log", (HEADER + lines(0, 6)).replace(b"\n", b"\r\n"))
# 8 MiB of one repeated line: a few KiB compressed. The test sets --max-inflated-bytes 1048576.
write("flow-bomb.log.gz", gz(HEADER + line(1) * (8 * 1024 * 1024 // len(line(1)))))

# --- CloudTrail ---
ct_full = gz(records(*[rec(i) for i in range(300)]))
write("ct-truncated.json.gz", ct_full[: len(ct_full) // 2])
write("ct-empty.json", b"")
bad = '{"eventVersion":"1.08","eventID":"bad","eventTime":"2024-01-01T00:00:00Z",,"eventName":"X"}'
write("ct-invalid-json-middle.json", records(rec(0), rec(1), bad, rec(3), rec(4)))
missing = [json.loads(rec(i)) for i in range(3)]
del missing[0]["eventTime"]; del missing[1]["eventName"]; del missing[2]["eventID"]
write("ct-missing-fields.json", records(rec(10), *[json.dumps(m) for m in missing], rec(11)))
wrong = rec(20, "AuthorizeSecurityGroupIngress", {"groupId": "sg-0aaa", "ipPermissions": {"items": [
    {"ipProtocol": "tcp", "fromPort": "443", "toPort": "443", "ipRanges": {"items": [{"cidrIp": "0.0.0.0/0"}]}}]}})
write("ct-wrong-types.json", records(wrong, rec(21, eventTime=12345), rec(22)))
deep = rec(31, params={"keyName": "x", "nested": json.loads("[" * 200 + "]" * 200)})
write("ct-deep-nesting.json", records(rec(30), deep, rec(32)))
write("ct-huge-value.json", records(rec(40), rec(41, userAgent="A" * 20000), rec(42)))
write("ct-unknown-event-version.json", records(rec(50, eventVersion="9.99"), rec(51, eventVersion="9.99")))

# --- snapshot ---
snap = json.dumps({"SecurityGroups": [{"GroupId": f"sg-{i:04x}", "GroupName": f"g{i}", "IpPermissions": []} for i in range(200)]}).encode()
snap_gz = gz(snap)
write("snapshot-truncated.json.gz", snap_gz[: len(snap_gz) // 2])
