"""Publishing policy: one implementation that both executors call.

The core decides everything a publish means — which tags, whether they may move, what is signed,
the order (blobs and manifests by digest, one index, sign and attest the digest, then every tag),
and the rollback when a tag cannot be written. An executor only hands over the image archives its
build stages produced and a `Signer` that runs cosign where the executor chooses.
"""
