// Command benchphoto writes the load test's photo: a face photo from
// ../shared/faces cropped to 35:45 around its centre and scaled to 560x720,
// the size of a photo ready for the CIE, as a JPEG.
//
// Usage: go run ./scripts/benchphoto IN.jpg OUT.jpg
package main

import (
	"fmt"
	"image/jpeg"
	"os"

	"github.com/disintegration/imaging"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: benchphoto IN OUT")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "benchphoto:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	img, err := imaging.Open(in, imaging.AutoOrientation(true))
	if err != nil {
		return fmt.Errorf("read %s: %w", in, err)
	}
	small := imaging.Fill(img, 560, 720, imaging.Center, imaging.Lanczos)
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := jpeg.Encode(f, small, &jpeg.Options{Quality: 90}); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", out, err)
	}
	return f.Close()
}
