// Package lib is a build fixture that is not a main package.
package lib

// Answer is exported so the package has something in it.
const Answer = 42
