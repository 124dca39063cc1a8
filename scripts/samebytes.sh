#!/usr/bin/env bash
# samebytes: what two revisions give citizens and clerks, compared byte for
# byte on the photos of ../shared/faces: the CLI's JSON reports (both
# profiles, every language), its text, CSV and HTML reports, `tessera
# eval`'s tables, the fixed photos `tessera fix` writes, the server's page,
# JSON, annotated photo and fixed photo for a sample of them,
# /v1/check/email's answer to a message holding three of them, and the
# inbox's answer texts (scripts/samebytes/main.go). A refactoring must
# leave them all the same.
#
# Usage: scripts/samebytes.sh OLD [NEW]   (revisions; NEW defaults to the
# work tree as it is, uncommitted changes included)
#
# The outputs stay in $SAMEBYTES_DIR (default /tmp/samebytes)/out-REV; an
# HTML report's run time and date, and eval's run time, are blanked before
# comparing.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
faces=${TESSERA_FACES:-$root/../shared/faces}
dir=${SAMEBYTES_DIR:-/tmp/samebytes}
old=$(git -C "$root" rev-parse --short "${1:?usage: scripts/samebytes.sh OLD [NEW]}")
new=${2:+$(git -C "$root" rev-parse --short "$2")}
export GOTOOLCHAIN=${GOTOOLCHAIN_SAMEBYTES:-go1.27.3}
mkdir -p "$dir"

# tree REV prints a folder holding REV's files (the work tree for "").
tree() {
	if [ -z "$1" ]; then
		echo "$root"
		return
	fi
	local t="$dir/tree-$1"
	if [ ! -d "$t" ]; then
		git -C "$root" worktree add -q --detach "$t" "$1"
	fi
	echo "$t"
}

# outputs TREE OUT writes everything the tree's programs say into OUT.
outputs() {
	local t=$1 out=$2 bin
	rm -rf "$out"
	mkdir -p "$out/fix" "$out/serve"
	bin="$out/tessera"
	(cd "$t" && go build -o "$bin" ./cmd/tessera)
	mkdir -p "$t/cmd/samebytes-mail"
	cp "$root/scripts/samebytes/main.go" "$t/cmd/samebytes-mail/main.go"
	(cd "$t" && go build -o "$out/mail" ./cmd/samebytes-mail)
	rm -rf "$t/cmd/samebytes-mail"

	local photos=()
	mapfile -t photos < <(find "$faces" -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.png' \) | sort)
	for profile in cie icao; do
		for lang in it en de; do
			"$bin" check --jobs 2 --profile "$profile" --lang "$lang" --format json "${photos[@]}" >"$out/check-$profile-$lang.json" || true
		done
	done
	for lang in it en; do
		for f in text csv html; do
			"$bin" check --jobs 2 --lang "$lang" --format "$f" "${photos[@]}" >"$out/check-$lang.$f" || true
		done
		# The run's date and duration change every run.
		sed -i -E 's/[0-9]{2}\/[0-9]{2}\/[0-9]{4}[ ,0-9:]*|[0-9]+[.,][0-9]+ (s|sec|secondi|Sekunden)|[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9:]+/TIME/g' "$out/check-$lang.html"
	done
	"$out/mail" "${photos[@]}" >"$out/mail.txt"
	for profile in cie icao; do
		"$bin" eval -v --profile "$profile" "$faces" >"$out/eval-$profile.txt" 2>&1 || true
		# The time a run took changes every run.
		sed -i -E 's/ in [0-9.]+ s$/ in TIME s/' "$out/eval-$profile.txt"
	done

	# The sample: every fourth photo.
	local sample=() i=0
	for p in "${photos[@]}"; do
		if ((i++ % 4 == 0)); then sample+=("$p"); fi
	done
	for p in "${sample[@]}"; do
		local name
		name=$(echo "${p#"$faces"/}" | tr / _)
		# Run in the folder: the messages name the output as given.
		(cd "$out/fix" && "$bin" fix --lang en "$p" "$name.jpg" >"$name.txt" 2>&1) || true
	done

	local port=$((20000 + RANDOM % 20000))
	"$bin" serve --addr "127.0.0.1:$port" --client-rate 0 --client-requests 1000 >"$out/serve.log" 2>&1 &
	local pid=$!
	for _ in $(seq 100); do
		curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
		sleep 0.1
	done
	for p in "${sample[@]}"; do
		local name u="http://127.0.0.1:$port"
		name=$(echo "${p#"$faces"/}" | tr / _)
		curl -s -F "photo=@$p" -F lang=de "$u/check" >"$out/serve/$name.page.html"
		curl -s -F "photo=@$p" "$u/v1/check?lang=en" >"$out/serve/$name.json"
		curl -s -F "photo=@$p" "$u/v1/annotate" | sha256sum >"$out/serve/$name.annotate"
		curl -s -F "photo=@$p" "$u/v1/fix" | sha256sum >"$out/serve/$name.fix"
	done
	# An email with three of the photos, as /v1/check/email reads it.
	{
		printf 'From: a@example.it\r\nTo: b@example.it\r\nSubject: foto\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n'
		for p in "${sample[@]:0:3}"; do
			printf -- '--B\r\nContent-Type: image/jpeg\r\nContent-Disposition: attachment; filename="%s"\r\nContent-Transfer-Encoding: base64\r\n\r\n' "$(basename "$p")"
			base64 -w 76 "$p" | sed 's/$/\r/'
		done
		printf -- '--B--\r\n'
	} >"$out/serve/email.eml"
	for lang in it en; do
		curl -s --data-binary @"$out/serve/email.eml" -H 'Content-Type: message/rfc822' "http://127.0.0.1:$port/v1/check/email?lang=$lang" >"$out/serve/email-$lang.json"
	done
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	rm -f "$bin" "$out/mail" "$out/serve.log"
}

oldout="$dir/out-$old"
newout="$dir/out-${new:-worktree}"
outputs "$(tree "$old")" "$oldout"
outputs "$(tree "$new")" "$newout"
echo "files compared: $(find "$oldout" -type f | wc -l)"
if diff -r "$oldout" "$newout" >"$dir/diff.txt"; then
	echo "the same, byte for byte: $oldout and $newout"
else
	echo "DIFFERENT: $(grep -c '^diff\|^Only' "$dir/diff.txt" || true) files; see $dir/diff.txt"
	exit 1
fi
