"""The knowledge base: policy guides and FAQ tables, stored with versions, searched by a
hybrid of dense vectors (FAISS) and BM25 over jieba tokens, answered with a citation.

Modules, in the order data flows through them:
`sources` (guides and FAQ tables → units) → `store` (SQL tables, versions) → `importer`
(idempotent import, one writer) → `index` (FAISS + BM25 files, published atomically) →
`retriever` (hybrid search, hot reload) → `answering` (answer, suggest or abstain; the
`unanswered` log) → `evaluation` and `cli`.
"""
