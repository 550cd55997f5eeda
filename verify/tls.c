#include "verify/tls.h"

#include <stdio.h>

#include "tls/client.h"

/* Why connection @c disagrees with mode @m, into @why; false if it agrees. */
static bool conn_problem(enum tls_mode m, const struct fetch_conn *c, char *why, size_t len)
{
	const struct tls_info *t = &c->tls;
	int want = tls_modes[m].version;
	if (t->version != want) {
		snprintf(why, len, "%s instead of %s", t->version ? tls_version_name(t->version) :
			 want ? "no finished TLS handshake" : "TLS", want ? tls_version_name(want) : "plain HTTP");
		return true;
	}
	if (!tls_modes[m].early) {
		if (t->resumed)
			snprintf(why, len, "resumed, where the mode measures a full handshake");
		return t->resumed;
	}
	if (!t->resumed) {
		snprintf(why, len, "a full handshake, not a resumed session (no ticket left for it)");
		return true;
	}
	if (t->early != TLS_EARLY_ACCEPTED) {
		snprintf(why, len, "early data %s", t->early == TLS_EARLY_NONE ?
			 "not sent (the ticket allows none)" : tls_early_name(t->early));
		return true;
	}
	return false;
}

bool tls_verdict(enum tls_mode m, const struct fetch_conn *conns, size_t n,
		 const char *const *hosts, char *reason, size_t len)
{
	char why[120];
	if (n == 0 && m != TLS_OFF) {
		snprintf(reason, len, "TLS: no connection was made");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!conn_problem(m, &conns[i], why, sizeof(why)))
			continue;
		snprintf(reason, len, "TLS: conn %zu to %s: %s", i, hosts[conns[i].host], why);
		return false;
	}
	if (m == TLS_OFF)
		snprintf(reason, len, "TLS: none, on %zu connections", n);
	else
		snprintf(reason, len, "TLS: %s on all %zu connections%s", tls_version_name(tls_modes[m].version),
			 n, tls_modes[m].early ? ", each resumed with its early data accepted" : "");
	return true;
}
