// Command hello is a build fixture whose binary name collides with ../../hello.
package main

import "fmt"

func main() { fmt.Println("dup hello") }
