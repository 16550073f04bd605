# nginx_rtmp.sh: an nginx-rtmp origin for the end-to-end tests (sourced after netns.sh and wait.sh).
# One config shape: RTMP application "live" with the caller's directives, an optional HTTP server;
# logs in its directory: error.log, access.log (RTMP), http_access.log (HTTP).

NGINX_RTMP_MODULE=/usr/lib/nginx/modules/ngx_rtmp_module.so

# nginx_rtmp_require: skip the test (exit 77) when nginx or libnginx-mod-rtmp is not installed.
nginx_rtmp_require() {
	command -v nginx >/dev/null || { echo "SKIP: nginx is not installed"; exit 77; }
	[ -f "$NGINX_RTMP_MODULE" ] || { echo "SKIP: libnginx-mod-rtmp is not installed"; exit 77; }
}

# nginx_rtmp_start NS DIR RTMP_LISTEN APP_DIRECTIVES [HTTP_LISTEN HTTP_DIRECTIVES]: write DIR/nginx.conf
# and start nginx in namespace NS; returns when its RTMP port accepts (1 if not within 60 s). Its PID
# is $NGINX_PID (also stopped with the namespace's other processes at exit).
nginx_rtmp_start() {
	local ns=$1 dir=$2 rtmp=$3 app=$4 http=${5:-} http_dir=${6:-}
	mkdir -p "$dir"
	{
		cat <<EOF
load_module $NGINX_RTMP_MODULE;
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 256; }
rtmp {
	access_log $dir/access.log;
	server { listen $rtmp; application live { $app } }
}
EOF
		[ -z "$http" ] || cat <<EOF
http {
	access_log $dir/http_access.log;
	client_body_temp_path $dir;
	server { listen $http; $http_dir }
}
EOF
	} >"$dir/nginx.conf"
	netns_bg "$ns" nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" >"$dir/nginx.out" 2>&1
	NGINX_PID=$!
	local host=${rtmp%:*} port=${rtmp##*:}
	if [ "$ns" = - ]; then
		nginx_rtmp_listens() { bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; }
	else
		nginx_rtmp_listens() { ip netns exec "$ns" bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null; }
	fi
	wait_until 60 nginx_rtmp_listens
}
