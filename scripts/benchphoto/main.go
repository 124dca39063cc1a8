// Command benchphoto writes the benchmarks' photos: face photos from
// ../shared/faces cropped to 35:45 around their centre and scaled to
// 560x720, the size of a photo ready for the CIE, as JPEGs.
//
// Usage:
//
//	go run ./scripts/benchphoto IN.jpg OUT.jpg          one photo
//	go run ./scripts/benchphoto -n 200 -dir OUT IN...   OUT/photo-001.jpg... cycling through the inputs
package main

import (
	"flag"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"

	"github.com/disintegration/imaging"
)

func main() {
	n := flag.Int("n", 0, "number of photos to write into -dir")
	dir := flag.String("dir", "", "folder for -n photos")
	flag.Parse()
	var err error
	switch {
	case *n > 0 && *dir != "" && flag.NArg() > 0:
		err = many(*n, *dir, flag.Args())
	case *n == 0 && flag.NArg() == 2:
		err = one(flag.Arg(0), flag.Arg(1))
	default:
		fmt.Fprintln(os.Stderr, "usage: benchphoto IN OUT | benchphoto -n N -dir OUT IN...")
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchphoto:", err)
		os.Exit(1)
	}
}

func many(n int, dir string, ins []string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for i := range n {
		if err := one(ins[i%len(ins)], filepath.Join(dir, fmt.Sprintf("photo-%03d.jpg", i+1))); err != nil {
			return err
		}
	}
	return nil
}

func one(in, out string) error {
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
