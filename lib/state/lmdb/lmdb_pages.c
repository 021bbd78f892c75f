/* A walk of LMDB's B-tree pages that reads the file with pread, never through
 * the map.  LMDB trusts its pages: a damaged one makes it read past the page,
 * and past the end of the file (SIGBUS), before any assertion could catch it.
 * So the pages LMDB is about to follow are checked here first.  The layout is
 * LMDB 0.9's on-disk format (lmdb.h does not describe it; mdb.c does). */
#define _GNU_SOURCE
#include "lmdb_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Page header: pgno (8), pad (2), flags (2), lower (2), upper (2); an
 * overflow page has its page count (4) where lower and upper are. */
#define PAGEHDRSZ 16
#define P_BRANCH 0x01
#define P_LEAF 0x02
#define P_OVERFLOW 0x04
#define P_META 0x08
#define P_LEAF2 0x20
/* A node: lo (2), hi (2), flags (2), ksize (2), then the key and the data. */
#define NODESIZE 8
#define F_BIGDATA 0x01
#define F_SUBDATA 0x02
#define F_DUPDATA 0x04
/* MDB_db: pad (4), flags (2), depth (2), branch, leaf, overflow pages and
 * entries (8 each), root (8). */
#define DB_SIZE 48
#define DB_DEPTH 6
#define DB_ROOT 40
#define P_INVALID (~(uint64_t)0)
/* The meta page: magic at 16, the main database's MDB_db at 88, the last
 * page at 136 and the transaction id at 144. */
#define MDB_MAGIC 0xBEEFC0DEu
#define META_MAGIC 16
#define META_FREE_DB 40
#define META_MAIN_DB 88
#define META_LAST_PG 136
#define META_TXNID 144

typedef struct walk {
	int fd;
	unsigned int psize;
	uint64_t last_pg;
	uint8_t *seen;  /* one bit per page */
	uint8_t *page;  /* psize bytes */
	bool all;       /* every bucket, not only the directory of buckets */
	char *problem;  /* the first damage found */
} walk;

static uint16_t u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

static int damage(walk *w, const char *tree, uint64_t pgno, const char *what)
{
	if (!w->problem)
		w->problem = ck__asprintf("page %llu of %s: %s", (unsigned long long)pgno, tree, what);
	return w->problem ? CK_ECORRUPT : ck__oom();
}

static int read_page(walk *w, uint64_t pgno)
{
	ssize_t n = pread(w->fd, w->page, w->psize, (off_t)(pgno * w->psize));
	if (n < 0)
		return ck__error_errno(CK_EIO, "cannot read page %llu of data.mdb", (unsigned long long)pgno);
	return n == (ssize_t)w->psize ? CK_OK : CK_ECORRUPT;
}

static int walk_tree(walk *w, const char *tree, uint64_t pgno, unsigned int depth, unsigned int want_depth,
                     bool main_db);

/* The bucket a node of the directory names, for messages. */
static void bucket_label(char *out, size_t size, const uint8_t *key, size_t len)
{
	size_t j = 0;
	for (size_t i = 0; i < len && j + 1 < size; i++)
		out[j++] = key[i] >= 32 && key[i] < 127 ? (char)key[i] : '?';
	out[j] = '\0';
}

static int check_overflow(walk *w, const char *tree, uint64_t pgno, uint64_t dsize)
{
	uint32_t pages;
	int rc;

	if (pgno < 2 || pgno > w->last_pg)
		return damage(w, tree, pgno, "a value's overflow page is outside the file");
	if ((rc = read_page(w, pgno)) != CK_OK)
		return rc == CK_ECORRUPT ? damage(w, tree, pgno, "cannot be read whole") : rc;
	pages = u32(w->page + 12);
	if (u64(w->page) != pgno || !(u16(w->page + 10) & P_OVERFLOW))
		return damage(w, tree, pgno, "is not the overflow page a value points to");
	if (pages == 0 || pgno + pages - 1 > w->last_pg || (uint64_t)pages * w->psize - PAGEHDRSZ < dsize)
		return damage(w, tree, pgno, "its overflow pages do not hold the value or lie outside the file");
	return CK_OK;
}

/* One branch or leaf page, then its children.  `tree` names the database. */
static int walk_tree(walk *w, const char *tree, uint64_t pgno, unsigned int depth, unsigned int want_depth,
                     bool main_db)
{
	uint16_t flags, lower, upper;
	unsigned int nkeys;
	uint8_t *page;
	int rc = CK_OK;

	if (pgno < 2 || pgno > w->last_pg)
		return damage(w, tree, pgno, "points outside the file");
	if (w->seen[pgno / 8] & (1u << (pgno % 8)))
		return damage(w, tree, pgno, "is reached twice");
	w->seen[pgno / 8] |= (uint8_t)(1u << (pgno % 8));
	if (depth > want_depth)
		return damage(w, tree, pgno, "lies deeper than the tree's depth");
	if ((rc = read_page(w, pgno)) != CK_OK)
		return rc == CK_ECORRUPT ? damage(w, tree, pgno, "cannot be read whole") : rc;
	flags = u16(w->page + 10);
	lower = u16(w->page + 12);
	upper = u16(w->page + 14);
	if (u64(w->page) != pgno)
		return damage(w, tree, pgno, "holds the number of another page");
	if ((flags & (P_OVERFLOW | P_META | P_LEAF2)) || !(flags & (P_BRANCH | P_LEAF)) ||
	    (flags & P_BRANCH && flags & P_LEAF))
		return damage(w, tree, pgno, "is neither a branch nor a leaf page");
	if ((flags & P_LEAF) != (depth == want_depth ? P_LEAF : 0))
		return damage(w, tree, pgno, "is a leaf where a branch should be, or the reverse");
	if (lower < PAGEHDRSZ || lower > upper || upper > w->psize || (lower - PAGEHDRSZ) % 2)
		return damage(w, tree, pgno, "its header's bounds are not within the page");
	nkeys = (lower - PAGEHDRSZ) / 2;
	if ((flags & P_BRANCH) && nkeys == 0)
		return damage(w, tree, pgno, "is a branch page without children");
	/* The children are read into the same buffer: keep a copy. */
	if (!(page = malloc(w->psize)))
		return ck__oom();
	memcpy(page, w->page, w->psize);
	for (unsigned int i = 0; rc == CK_OK && i < nkeys; i++) {
		uint16_t ptr = u16(page + PAGEHDRSZ + 2 * i);
		const uint8_t *node = page + ptr;
		uint64_t lo, hi, nflags, ksize, dsize, end;

		if (ptr < upper || (size_t)ptr + NODESIZE > w->psize) {
			rc = damage(w, tree, pgno, "a node lies outside the page's free space bounds");
			break;
		}
		lo = u16(node);
		hi = u16(node + 2);
		nflags = u16(node + 4);
		ksize = u16(node + 6);
		end = (uint64_t)ptr + NODESIZE + ksize;
		if (end > w->psize) {
			rc = damage(w, tree, pgno, "a key runs past the end of the page");
			break;
		}
		if (flags & P_BRANCH) {
			rc = walk_tree(w, tree, lo | hi << 16 | nflags << 32, depth + 1, want_depth, main_db);
			continue;
		}
		dsize = lo | hi << 16;
		if (nflags & ~(uint64_t)(F_BIGDATA | F_SUBDATA | F_DUPDATA) || nflags & F_DUPDATA) {
			/* No bucket is a sorted-duplicates database. */
			rc = damage(w, tree, pgno, "a node has flags no bucket uses");
		} else if (nflags & F_BIGDATA) {
			rc = end + 8 > w->psize ? damage(w, tree, pgno, "a value's page number runs past the page")
			                        : check_overflow(w, tree, u64(node + NODESIZE + ksize), dsize);
		} else if (end + dsize > w->psize) {
			rc = damage(w, tree, pgno, "a value runs past the end of the page");
		} else if (nflags & F_SUBDATA) {
			const uint8_t *db = node + NODESIZE + ksize;
			char label[80];
			if (!main_db || dsize != DB_SIZE) {
				rc = damage(w, tree, pgno, "a bucket's record is malformed");
				continue;
			}
			/* At open, only the bucket that marks the store as ours
			 * is read; the check reads them all. */
			if (u64(db + DB_ROOT) == P_INVALID ||
			    (!w->all && (ksize != strlen(CK__LMDB_META_DB) ||
			                 memcmp(node + NODESIZE, CK__LMDB_META_DB, ksize) != 0)))
				continue;
			memcpy(label, "bucket ", 7);
			bucket_label(label + 7, sizeof(label) - 7, node + NODESIZE, ksize);
			rc = walk_tree(w, label, u64(db + DB_ROOT), 1, u16(db + DB_DEPTH), false);
		}
	}
	free(page);
	return rc;
}

int ck__lmdb_walk_pages(ck_backend *be, MDB_txn *txn, bool all, char **detail)
{
	walk w = { .fd = -1, .all = all };
	uint8_t *meta = NULL;
	MDB_stat st;
	int rc;

	*detail = NULL;
	if ((rc = mdb_env_get_fd(be->env, &w.fd)) || (rc = mdb_env_stat(be->env, &st)))
		return ck__lmdb_fail(be, NULL, rc, "cannot read the environment's header");
	w.psize = st.ms_psize;
	if (!(w.page = malloc(w.psize)) || !(meta = malloc(w.psize))) {
		rc = ck__oom();
		goto out;
	}
	/* The meta page of this transaction's snapshot; a writer may already
	 * have replaced it with a newer one (the caller begins again). */
	rc = CK_EAGAIN;
	for (uint64_t m = 0; m < 2; m++) {
		if (pread(w.fd, meta, w.psize, (off_t)(m * w.psize)) == (ssize_t)w.psize &&
		    u32(meta + META_MAGIC) == MDB_MAGIC && u64(meta + META_TXNID) == (uint64_t)mdb_txn_id(txn)) {
			rc = CK_OK;
			break;
		}
	}
	if (rc != CK_OK)
		goto out;
	w.last_pg = u64(meta + META_LAST_PG);
	if (!(w.seen = calloc(w.last_pg / 8 + 1, 1))) {
		rc = ck__oom();
		goto out;
	}
	if (u64(meta + META_MAIN_DB + DB_ROOT) != P_INVALID)
		rc = walk_tree(&w, "the directory of buckets", u64(meta + META_MAIN_DB + DB_ROOT), 1,
		               u16(meta + META_MAIN_DB + DB_DEPTH), true);
	if (rc == CK_OK && all && u64(meta + META_FREE_DB + DB_ROOT) != P_INVALID)
		rc = walk_tree(&w, "the free-page list", u64(meta + META_FREE_DB + DB_ROOT), 1,
		               u16(meta + META_FREE_DB + DB_DEPTH), false);
	if (rc == CK_ECORRUPT && w.problem) {
		rc = ck__error_set(CK_ECORRUPT, "%s/data.mdb is damaged: %s", be->dir, w.problem);
		*detail = ck__asprintf("%s/data.mdb is damaged: %s", be->dir, w.problem);
	}
out:
	free(w.problem);
	free(w.seen);
	free(w.page);
	free(meta);
	return rc;
}

int ck__lmdb_walk_snapshot(ck_backend *be, bool all, char **detail)
{
	int rc = CK_EAGAIN;

	*detail = NULL;
	/* Only a writer that commits twice during one walk moves the meta
	 * pages away from it: a few tries are enough. */
	for (int attempt = 0; rc == CK_EAGAIN && attempt < 8; attempt++) {
		MDB_txn *txn = NULL;
		int mrc = mdb_txn_begin(be->env, NULL, MDB_RDONLY, &txn);
		if (mrc)
			return ck__lmdb_fail(be, NULL, mrc, "cannot begin a read transaction");
		rc = ck__lmdb_walk_pages(be, txn, all, detail);
		mdb_txn_abort(txn);
	}
	return rc == CK_EAGAIN ? CK_OK : rc;
}
