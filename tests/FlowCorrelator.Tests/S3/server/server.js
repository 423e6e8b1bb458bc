'use strict';
// Local S3-compatible server for the FlowCorrelator S3 tests, on loopback only.
// Usage: node server.js <port, 0 for a free one> <data directory>
// Prints "READY <port>" once listening; exits when stdin closes, so it never outlives the test run.
const crypto = require('crypto');
const S3rver = require('s3rver');
const FilesystemStore = require('s3rver/lib/stores/filesystem');

// s3rver 3.7.1 does not descend into folders below a delimiter, so a delimiter listing only reports a common
// prefix when an object sits directly in it ("AWSLogs/" is missed when every key is "AWSLogs/<account>/..."). Real
// S3 rolls every deeper key up into its common prefix; do the same here from a full listing. Test data is small,
// so the listing is never truncated.
const listObjects = FilesystemStore.prototype.listObjects;
FilesystemStore.prototype.listObjects = async function listWithDelimiter(bucket, options) {
  if (!options.delimiter) {
    return listObjects.call(this, bucket, options);
  }
  const prefix = options.prefix || '';
  const all = await listObjects.call(this, bucket, { ...options, delimiter: '', maxKeys: Infinity });
  const commonPrefixes = new Set();
  const objects = [];
  for (const object of all.objects) {
    const idx = object.key.slice(prefix.length).indexOf(options.delimiter);
    if (idx === -1) {
      objects.push(object);
    } else {
      commonPrefixes.add(object.key.slice(0, prefix.length + idx + options.delimiter.length));
    }
  }
  return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated: false };
};

// s3rver 3.7.1 makes ListObjectsV2 continuation tokens with single DES, which OpenSSL 3 (Node 17 and later) offers
// only in its legacy provider: every truncated listing answered 500 InternalError. Triple DES with the key three
// times over is single DES, and is in the default provider: the same tokens, on any Node.
for (const name of ['createCipheriv', 'createDecipheriv']) {
  const original = crypto[name];
  crypto[name] = (algorithm, key, iv, options) =>
    algorithm === 'des'
      ? original('des-ede3-cbc', Buffer.concat([key, key, key]), iv, options)
      : original(algorithm, key, iv, options);
}

const port = Number(process.argv[2] || 0);
const directory = process.argv[3];
if (!directory) {
  process.stderr.write('usage: node server.js <port> <directory>\n');
  process.exit(2);
}

const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true, vhostBuckets: false });
server.run().then(
  address => process.stdout.write(`READY ${address.port}\n`),
  err => {
    process.stderr.write(`FAILED ${err.message}\n`);
    process.exit(1);
  },
);
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
