/* Uses the installed header and library: checks the version handshake and
 * opens a report given on the command line. */
#include <ktsnap.h>
#include <stdio.h>

#if KTSNAP_VERSION_MAJOR != 1
#error "built for ktsnap major 1"
#endif

int main(int argc, char **argv)
{
	if (ktsnap_version() / 10000 != KTSNAP_VERSION_MAJOR) {
		fprintf(stderr, "runtime major %u differs\n", (unsigned)(ktsnap_version() / 10000));
		return 1;
	}
	if (argc < 2)
		return 0;
	ktsnap_report *r = NULL;
	ktsnap_status st = ktsnap_report_open_file(&r, argv[1], NULL);
	if (st != KTSNAP_OK) {
		fprintf(stderr, "open: %s: %s\n", ktsnap_status_str(st), ktsnap_last_error());
		return 1;
	}
	printf("%zu maps\n", (size_t)ktsnap_report_map_count(r));
	ktsnap_report_free(r);
	return 0;
}
