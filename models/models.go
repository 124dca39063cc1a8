// Package models finds the face landmark model tessera runs on.
//
// The model is dlib's shape_predictor_68_face_landmarks.dat, shipped by the
// Debian package libdlib-data. See README.md in this folder for where it
// comes from and its licence.
package models

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FileName is the name of the 68-point landmark model file.
const FileName = "shape_predictor_68_face_landmarks.dat"

// EnvVar names the environment variable that points to a model file.
const EnvVar = "TESSERA_MODEL"

// DebianPath is where Debian's libdlib-data installs the model.
const DebianPath = "/usr/share/dlib/" + FileName

// ErrNotFound is wrapped by Find when no model file exists.
var ErrNotFound = errors.New("face landmark model not found")

// Find returns the path of the landmark model: the file named by
// $TESSERA_MODEL if set, else models/<FileName> in the working directory or
// beside the executable, else Debian's copy in /usr/share/dlib.
func Find() (string, error) {
	return find(os.Getenv(EnvVar), candidates())
}

func candidates() []string {
	c := []string{filepath.Join("models", FileName)}
	if exe, err := os.Executable(); err == nil {
		dir := filepath.Dir(exe)
		c = append(c, filepath.Join(dir, "models", FileName), filepath.Join(dir, "..", "models", FileName))
	}
	return append(c, DebianPath)
}

func find(env string, paths []string) (string, error) {
	if env != "" {
		if _, err := os.Stat(env); err != nil {
			return "", fmt.Errorf("%s=%s: %w", EnvVar, env, err)
		}
		return env, nil
	}
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("model %s: %w", p, err)
		}
	}
	return "", fmt.Errorf("%w: install the Debian package libdlib-data (apt-get install libdlib-data) or set %s to the path of %s",
		ErrNotFound, EnvVar, FileName)
}

// The face detector tessera runs beside dlib's (package ultraface): the
// RFB-320 network of Linzaer's Ultra-Light-Fast-Generic-Face-Detector-1MB,
// exported to ONNX without its post-processing, MIT licence
// (LICENSE-ultraface in this folder). At 1.2 MB it is built into the
// binary, so there is no file to find.
//
//go:embed version-RFB-320_without_postprocessing.onnx
var faceDetector []byte

// FaceDetector returns a copy of the face detector's ONNX file.
func FaceDetector() []byte { return bytes.Clone(faceDetector) }
