"""What a user writes instead of rio: gzip NDJSON into files cut at a raw size, upload them with
boto3, write a COPY manifest. Prints {"seconds", "rows", "bytes"} as JSON."""

import argparse
import json
import sys
import time
import zlib

import boto3


def main():
    parser = argparse.ArgumentParser()
    for name in ("endpoint", "bucket", "access-key", "secret-key", "input", "prefix"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--level", type=int, default=6)
    parser.add_argument("--buffer-size", type=int, default=10_000_000)
    parser.add_argument("--validate", action="store_true", help="check each row is a JSON object")
    args = parser.parse_args()

    s3 = boto3.client("s3", endpoint_url=args.endpoint, region_name="us-east-1",
                      aws_access_key_id=args.access_key, aws_secret_access_key=args.secret_key)
    with open(args.input, "rb") as f:
        lines = f.read().splitlines()

    started = time.perf_counter()
    entries, rows, raw = [], 0, 0
    compressor, size, index = None, 0, 0

    def upload():
        nonlocal compressor, size, index
        body = compressor.flush()
        key = f"{args.prefix}peer_{index}.json.gz"
        s3.put_object(Bucket=args.bucket, Key=key, Body=body, ContentType="application/gzip")
        entries.append({"url": f"s3://{args.bucket}/{key}", "mandatory": True,
                        "meta": {"content_length": len(body)}})
        compressor, size, index = None, 0, index + 1

    for line in lines:
        if not line.strip():
            continue
        if args.validate and not isinstance(json.loads(line), dict):
            sys.exit(f"not a JSON object: {line[:80]!r}")
        if compressor is not None and size + len(line) + 1 > args.buffer_size:
            upload()
        if compressor is None:
            compressor = zlib.compressobj(args.level, zlib.DEFLATED, 31)
        compressor.compress(line)
        compressor.compress(b"\n")
        size += len(line) + 1
        rows += 1
        raw += len(line) + 1
    if compressor is not None:
        upload()
    manifest = json.dumps({"entries": entries}, separators=(",", ":")).encode()
    s3.put_object(Bucket=args.bucket, Key=f"{args.prefix}peer.manifest", Body=manifest,
                  ContentType="application/json")
    print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows, "bytes": raw}))


if __name__ == "__main__":
    main()
