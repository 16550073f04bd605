/* main.c: the mediaplane appliance entry point. */
#include "mp_log.h"
#include "proto_version.h"

int main(void)
{
	MP_INFO("mediaplane %s", MP_VERSION_STRING);
	return 0;
}
