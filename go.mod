module github.com/tessera-cie/tessera

go 1.26.8

require (
	github.com/disintegration/imaging v1.6.2 // indirect
	github.com/rwcarlsen/goexif v0.0.0-20190401172101-9e8deecbddbd // indirect
	golang.org/x/image v0.0.0-20191009234506-e7c1f5e7dbb8 // indirect
)
