/* fakereg.py as a child process of a C test. */
#define _GNU_SOURCE
#include "fake.h"
#include "harness.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0;
	ssize_t n;

	if (!f)
		return NULL;
	n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	if (n < 0) {
		free(text);
		return NULL;
	}
	return text;
}

bool fake_start(fake *f, const char *mode)
{
	const char *script = getenv("CK_FAKEREG");
	char port_file[512], *text = NULL;

	memset(f, 0, sizeof(*f));
	f->dir = ck_test_tmpdir("fakereg");
	snprintf(port_file, sizeof(port_file), "%s/port", f->dir);
	snprintf(f->log, sizeof(f->log), "%s/log", f->dir);
	char *argv[] = { "python3", (char *)(script ? script : "fakereg.py"), "--mode", (char *)mode,
		         "--port-file", port_file, "--log", f->log, NULL };
	f->pid = fork();
	if (f->pid == 0) {
		/* the server dies with the test, even when the test crashes */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execvp("python3", argv);
		_exit(127);
	}
	if (f->pid < 0) {
		f->pid = 0;
		return false;
	}
	for (int i = 0; i < 200 && !(text = slurp(port_file)); i++)
		usleep(50000);
	if (!text)
		return false;
	snprintf(f->addr, sizeof(f->addr), "127.0.0.1:%s", text);
	free(text);
	return true;
}

void fake_stop(fake *f)
{
	if (f->pid > 0) {
		kill(f->pid, SIGTERM);
		waitpid(f->pid, NULL, 0);
		f->pid = 0;
	}
	ck_test_rmtree(f->dir);
	free(f->dir);
	f->dir = NULL;
}

bool fake_log_has(const fake *f, const char *needle)
{
	char *text = slurp(f->log);
	bool found = text && strstr(text, needle);
	free(text);
	return found;
}
